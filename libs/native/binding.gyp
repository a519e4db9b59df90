{
  "targets": [
    {
      "target_name": "hoard_native",
      "sources": ["src/native.c", "src/dirscan.c", "src/hash-write.c", "src/hash-read.c", "src/direct-write.c", "src/heap-trim.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O2", "-Wall", "-Wextra"] }
    }
  ]
}
