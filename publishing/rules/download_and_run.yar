rule download_and_run
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
