{
  # Built by build.mjs during `pnpm install`; see README.md in this folder.
  "variables": {
    "cuda%": 0,
    "cuda_home%": "/usr/local/cuda",
    "cuda_archs%": "80,90",
  },
  "target_defaults": {
    "cflags": ["-fPIC", "-O3", "-Wall", "-Wextra", "-Wno-unused-parameter"],
    "cflags_cc": ["-std=c++17", "-fexceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
  },
  "targets": [
    {
      "target_name": "kernels_portable",
      "type": "static_library",
      "sources": ["src/kernels_portable.cc"],
    },
    {
      "target_name": "nightshift_kernels",
      "sources": [
        "src/addon.cc",
        "src/cpu_dispatch.cc",
        "src/cpu_backend.cc",
        "src/cuda/launch_plan.cc",
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "src"],
      "dependencies": ["kernels_portable"],
      "conditions": [
        ["target_arch=='x64'", {
          "dependencies": ["kernels_avx2", "kernels_avx512"],
        }],
        ["cuda==1", {
          "sources": ["src/cuda/cuda_backend.cc"],
          "defines": ["NS_WITH_CUDA=1", "NS_CUDA_ARCHS=<(cuda_archs)"],
          "include_dirs": ["<(cuda_home)/include"],
          "libraries": [
            "<(module_root_dir)/build-cuda/kernels.o",
            "<(cuda_home)/lib64/libcudart_static.a",
            "-ldl", "-lpthread", "-lrt",
          ],
        }, {
          "sources": ["src/cuda/cuda_stub.cc"],
        }],
      ],
    },
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "kernels_avx2",
          "type": "static_library",
          "sources": ["src/kernels_avx2.cc"],
          "cflags": ["-mavx2", "-mfma", "-mbmi2"],
        },
        {
          "target_name": "kernels_avx512",
          "type": "static_library",
          "sources": ["src/kernels_avx512.cc"],
          "cflags": ["-mavx512f", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-mfma", "-mbmi2", "-mprefer-vector-width=512"],
        },
      ],
    }],
  ],
}
