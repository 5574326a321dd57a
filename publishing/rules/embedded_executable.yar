rule embedded_executable
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
