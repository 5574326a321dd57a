rule credential_access
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
