rule crypto_miner
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
