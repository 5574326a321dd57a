rule reverse_shell
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
