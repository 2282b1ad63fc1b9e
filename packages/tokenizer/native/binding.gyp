{
  # Built by build.mjs during `pnpm install`.
  "targets": [
    {
      "target_name": "nightshift_tokenizer",
      "sources": ["src/tokenizer.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "src"],
      "cflags": ["-fPIC", "-O3", "-Wall", "-Wextra"],
      "cflags_cc": ["-std=c++17", "-fexceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
    },
  ],
}
