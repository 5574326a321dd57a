rule long_base64
{
    meta:
        description = "A run of at least 1,024 consecutive standard base64 characters (1 KiB of encoded data): an embedded payload a reviewer cannot read."
        severity = "low"
        reference = "MITRE ATT&CK T1027.001/T1140; the run is found by the scanner and passed in as the external base64_run_offset (byte offset, -1 when none), because a YARA regex for an unanchored character-class run has no atom and slows every scan tenfold."
        offset_external = "base64_run_offset"
    condition:
        base64_run_offset >= 0
}
