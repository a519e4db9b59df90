{
  "targets": [
    {
      "target_name": "dirscan",
      "sources": ["src/dirscan.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O2", "-Wall", "-Wextra"] }
    }
  ]
}
