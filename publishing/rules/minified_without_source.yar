rule minified_without_source
{
    meta:
        description = "Minified JavaScript (a line of 1,000 characters or more in a .js, .mjs or .cjs member) without a source map or unminified source in the package."
        severity = "low"
        reference = "Mozilla add-on policies (extensionworkshop.com, 'Source code submission'): minified, concatenated or generated code needs its source. The scanner passes long_line_offset (byte offset of the first line of 1,000+ characters, -1 when none) and has_source."
        offset_external = "long_line_offset"
    condition:
        long_line_offset >= 0 and not has_source
}
