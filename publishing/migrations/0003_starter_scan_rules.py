"""Load the starter YARA scan rules (``publishing/rules/*.yar``) into ``ScanRule``.

The rule sources are embedded below as a frozen copy, not read from
``publishing/rules/`` when the migration runs: a migration must do the same
thing on every database forever, and the files will change (a new rule, a
tightened pattern). A later change to a starter rule ships as a new data
migration that updates its row; ``tests/publishing/test_scanning_rules.py``
fails until the table a fresh database ends with matches the files again.

Forwards creates the missing rows and leaves existing ones alone (staff may
have edited them). Backwards deletes only rows still identical to this copy.
"""

from django.db import migrations

#: name -> (severity, description, source), frozen on 2026-11-24.
STARTER_RULES = {
    "credential_access": (
        "high",
        "Reads SSH private keys or browser and cloud credential stores: ~/.ssh/id_rsa, id_ecdsa, id_ed25519, Chrome/Chromium 'Login Data' and 'Local State', Firefox logins.json, key3.db/key4.db, ~/.aws/credentials.",
        r"""rule credential_access
{
    meta:
        description = "Reads SSH private keys or browser and cloud credential stores: ~/.ssh/id_rsa, id_ecdsa, id_ed25519, Chrome/Chromium 'Login Data' and 'Local State', Firefox logins.json, key3.db/key4.db, ~/.aws/credentials."
        severity = "high"
        reference = "MITRE ATT&CK T1552.004 (Private Keys), T1555.003 (Credentials from Web Browsers) and T1552.001; the file lists of info-stealers in the 2023 npm/PyPI malware reports (e.g. W4SP Stealer)."
    strings:
        $ssh_key = /[\/\\"']id_(rsa|dsa|ecdsa|ed25519)(_sk)?\b/
        $ssh_dir = /\.ssh[\/\\"', ]+(id_|identity\b|authorized_keys)/
        $chrome_login = "Login Data"
        $chrome_state = /["'\/\\]Local State["']/
        $ff_logins = "logins.json"
        $ff_key4 = "key4.db"
        $ff_key3 = "key3.db"
        $aws = /\.aws[\/\\"', ]+credentials\b/
    condition:
        any of them
}
""",
    ),
    "crypto_miner": (
        "high",
        "Cryptocurrency miner: stratum mining-pool URLs, XMRig and its options, or well-known public mining pool hosts.",
        r"""rule crypto_miner
{
    meta:
        description = "Cryptocurrency miner: stratum mining-pool URLs, XMRig and its options, or well-known public mining pool hosts."
        severity = "high"
        reference = "MITRE ATT&CK T1496 (Resource Hijacking); the Stratum mining protocol URL scheme, XMRig's documented command-line options (xmrig.com/docs/miner/command-line-options) and the pool domains in CoinBlockerLists."
    strings:
        $stratum = /stratum[12]?\+(tcp|ssl|tls):\/\// nocase
        $xmrig = "xmrig" nocase
        $donate = "--donate-level"
        $cpu_priority = "--cpu-priority"
        $pool1 = "minexmr.com" nocase
        $pool2 = "supportxmr.com" nocase
        $pool3 = "nanopool.org" nocase
        $pool4 = "moneroocean.stream" nocase
        $pool5 = "hashvault.pro" nocase
        $pool6 = "c3pool.com" nocase
        $pool7 = "2miners.com" nocase
        $pool8 = "f2pool.com" nocase
        $pool9 = "nicehash.com" nocase
        $pool10 = "herominers.com" nocase
        $pool11 = "unmineable.com" nocase
        $pool12 = "ethermine.org" nocase
    condition:
        any of them
}
""",
    ),
    "download_and_run": (
        "high",
        "Downloads a script and pipes it straight into a shell or interpreter: curl/wget ... | sh, wget -O- | bash, PowerShell iex (iwr ...) or IEX (New-Object Net.WebClient).DownloadString(...).",
        r"""rule download_and_run
{
    meta:
        description = "Downloads a script and pipes it straight into a shell or interpreter: curl/wget ... | sh, wget -O- | bash, PowerShell iex (iwr ...) or IEX (New-Object Net.WebClient).DownloadString(...)."
        severity = "high"
        reference = "MITRE ATT&CK T1105 (Ingress Tool Transfer) and T1059.001/.004; the curl|sh pattern flagged by ShellCheck-style linters and the PowerShell download cradles catalogued by Daniel Bohannon (Invoke-CradleCrafter)."
    strings:
        $pipe_sh = /\b(curl|wget)\s[^\n|;]{0,300}\|\s*(sudo\s+(-\S+\s+)*)?(ba|z|da|k)?sh\b/
        $pipe_py = /\b(curl|wget)\s[^\n|;]{0,300}\|\s*(sudo\s+)?(python3?|perl|ruby|node)\b/
        $sh_subst = /\b(ba|z)?sh\s+(-c\s+)?["']?(<\(|\$\()\s*(curl|wget)\s/
        $ps_iex_iwr = /\b(iex|Invoke-Expression)\s*\(?\s*\(?\s*(iwr|irm|Invoke-WebRequest|Invoke-RestMethod|curl|wget)\b/ nocase
        $ps_webclient = /\(\s*New-Object\s+(System\.)?Net\.WebClient\s*\)\s*\.\s*Download(String|Data)\s*\(/ nocase
        $ps_pipe_iex = /\b(iwr|irm|Invoke-WebRequest|Invoke-RestMethod)\b[^\n|]{0,300}\|\s*(iex|Invoke-Expression)\b/ nocase
    condition:
        any of them
}
""",
    ),
    "embedded_executable": (
        "high",
        "A native executable or library: an ELF, PE (MZ header with a PE\\0\\0 signature) or Mach-O (thin or fat) magic number at offset 0.",
        r"""rule embedded_executable
{
    meta:
        description = "A native executable or library: an ELF, PE (MZ header with a PE\\0\\0 signature) or Mach-O (thin or fat) magic number at offset 0."
        severity = "high"
        reference = "ELF: System V ABI (magic 7F 45 4C 46). PE: Microsoft PE/COFF specification (MZ, e_lfanew at 0x3C, 'PE\\0\\0'). Mach-O: Apple <mach-o/loader.h> and <mach-o/fat.h> (FEEDFACE, FEEDFACF, CAFEBABE and byte-swapped forms)."
        offset = 0
    condition:
        uint32(0) == 0x464c457f
        or (uint16(0) == 0x5a4d and filesize > 0x40 and uint32(0x3c) < filesize - 4 and uint32(uint32(0x3c)) == 0x00004550)
        or uint32(0) == 0xfeedface or uint32(0) == 0xfeedfacf
        or uint32(0) == 0xcefaedfe or uint32(0) == 0xcffaedfe
        or (uint32be(0) == 0xcafebabe and uint32be(4) > 0 and uint32be(4) < 20)
}
""",
    ),
    "long_base64": (
        "low",
        "A run of at least 1,024 consecutive standard base64 characters (1 KiB of encoded data): an embedded payload a reviewer cannot read.",
        r"""rule long_base64
{
    meta:
        description = "A run of at least 1,024 consecutive standard base64 characters (1 KiB of encoded data): an embedded payload a reviewer cannot read."
        severity = "low"
        reference = "MITRE ATT&CK T1027.001/T1140; the run is found by the scanner and passed in as the external base64_run_offset (byte offset, -1 when none), because a YARA regex for an unanchored character-class run has no atom and slows every scan tenfold."
        offset_external = "base64_run_offset"
    condition:
        base64_run_offset >= 0
}
""",
    ),
    "minified_without_source": (
        "low",
        "Minified JavaScript (a line of 1,000 characters or more in a .js, .mjs or .cjs member) without a source map or unminified source in the package.",
        r"""rule minified_without_source
{
    meta:
        description = "Minified JavaScript (a line of 1,000 characters or more in a .js, .mjs or .cjs member) without a source map or unminified source in the package."
        severity = "low"
        reference = "Mozilla add-on policies (extensionworkshop.com, 'Source code submission'): minified, concatenated or generated code needs its source. The scanner passes long_line_offset (byte offset of the first line of 1,000+ characters, -1 when none) and has_source."
        offset_external = "long_line_offset"
    condition:
        long_line_offset >= 0 and not has_source
}
""",
    ),
    "obfuscated_exec": (
        "high",
        "Runs code decoded at run time: exec/eval of base64, zlib, marshal, codecs or hex data; JavaScript Function(atob(...)) or eval(atob(...)).",
        r"""rule obfuscated_exec
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
""",
    ),
    "reverse_shell": (
        "critical",
        "Reverse shell: bash redirected to /dev/tcp or /dev/udp, netcat with -e or -c and a shell, or Python socket + os.dup2 + pty.spawn / an interactive shell.",
        r"""rule reverse_shell
{
    meta:
        description = "Reverse shell: bash redirected to /dev/tcp or /dev/udp, netcat with -e or -c and a shell, or Python socket + os.dup2 + pty.spawn / an interactive shell."
        severity = "critical"
        reference = "MITRE ATT&CK T1059.004 and T1095; the one-liners of the PayloadsAllTheThings 'Reverse Shell Cheatsheet' and pentestmonkey's reverse shell cheat sheet."
    strings:
        $dev_tcp = /\/dev\/(tcp|udp)\/[A-Za-z0-9.:$_{}\[\]-]{1,100}\/[0-9$]/
        $nc_exec = /\b(nc|ncat|netcat)(\.exe|\.traditional|\.openbsd)?\s[^\n]{0,100}-[a-z]*[ec]\s*["']?(\/usr)?\/bin\/(ba|z|da|k)?sh\b/
        $nc_exec_win = /\b(nc|ncat)(\.exe)?\s[^\n]{0,100}-e\s*["']?cmd(\.exe)?\b/ nocase
        $mkfifo = /\bmkfifo\s[^\n]{0,100}\|\s*(\/bin\/)?(ba|z)?sh\s+-i[^\n]{0,100}\|\s*(nc|ncat|netcat)\b/
        $py_socket = "socket.socket("
        $py_connect = ".connect(("
        $py_dup2 = /\bdup2\s*\(\s*[A-Za-z_][A-Za-z0-9_.]*\.fileno\s*\(\s*\)\s*,\s*[0-2]\s*\)/
        $py_pty = "pty.spawn("
        $py_shell = /["'](\/usr)?\/bin\/(ba|z|da|k)?sh["']\s*,\s*["']-i["']/
    condition:
        $dev_tcp or $nc_exec or $nc_exec_win or $mkfifo
        or ($py_socket and $py_connect and $py_dup2 and ($py_pty or $py_shell))
}
""",
    ),
}


def load_rules(apps, schema_editor):
    ScanRule = apps.get_model("publishing", "ScanRule")
    for name, (severity, description, source) in STARTER_RULES.items():
        ScanRule.objects.get_or_create(
            name=name, defaults={"severity": severity, "description": description, "source": source}
        )


def unload_rules(apps, schema_editor):
    ScanRule = apps.get_model("publishing", "ScanRule")
    for name, (severity, _description, source) in STARTER_RULES.items():
        ScanRule.objects.filter(name=name, source=source, severity=severity).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0002_tokens_scan_rules_audit"),
    ]

    operations = [
        migrations.RunPython(load_rules, unload_rules),
    ]
