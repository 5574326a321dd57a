rule obfuscated_exec
{
    meta:
        description = "Runs code decoded at run time: exec/eval of base64, zlib, marshal, codecs or hex data; JavaScript Function(atob(...)) or eval(atob(...))."
        severity = "high"
        reference = "MITRE ATT&CK T1027 (Obfuscated Files or Information) and T1059.006 (Python); the exec(base64.b64decode(...)) loaders of the 2022-2024 PyPI malware reports (Phylum, Checkmarx, Sonatype)."
    strings:
        $py_direct = /\b(exec|eval)\s*\(\s*(base64\.(b64|b32|b85|a85|urlsafe_b64)decode|zlib\.decompress|marshal\.loads|codecs\.decode|bytes\.fromhex|bz2\.decompress|lzma\.decompress|gzip\.decompress)\s*\(/
        $py_compile = /\b(exec|eval)\s*\(\s*compile\s*\(\s*(base64|zlib|marshal|codecs|bytes\.fromhex|bz2|lzma|gzip)\b/
        $py_import = /\b(exec|eval)\s*\(\s*__import__\s*\(\s*["'](base64|zlib|marshal|codecs|bz2|lzma|gzip)["']\s*\)/
        $py_marshal = /\bexec\s*\(\s*marshal\.loads\b/
        $js_function = /\bFunction\s*\(\s*atob\s*\(/
        $js_eval = /\beval\s*\(\s*(atob|unescape|decodeURIComponent)\s*\(/
        $js_buffer = /\beval\s*\(\s*Buffer\.from\s*\([^\n)]{1,200},\s*["']base64["']\s*\)/
    condition:
        any of them
}
