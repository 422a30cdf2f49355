{
  "targets": [
    {
      "target_name": "fax",
      "sources": ["fax.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "libraries": ["-lspandsp", "-ltiff", "-lm"]
    }
  ]
}
