"""PyTorch eager baseline for runtime_ops_bench: F.linear at the same shapes, threads and dtypes.

    python bench/runtime/torch_linear_bench.py [--threads N]
Prints one line per case: dtype, T, N, ms, weight GB/s, GFLOP/s (x is bf16 when W is bf16, as in a bf16 model).
"""
import argparse
import time

import torch
import torch.nn.functional as F

K = 2048


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    for dtype in (torch.bfloat16, torch.float32):
        for t in (1, 512):
            for n in (2048, 8192, 128256):
                w = torch.randn(n, K).to(dtype)
                x = torch.randn(t, K).to(dtype)
                with torch.inference_mode():
                    F.linear(x, w)
                    iterations, start = 0, time.perf_counter()
                    while time.perf_counter() - start < 1.0 or iterations < 2:
                        F.linear(x, w)
                        iterations += 1
                    seconds = (time.perf_counter() - start) / iterations
                bytes_read = w.numel() * w.element_size()
                print(f"torch {str(dtype).split('.')[-1]:8s} T={t:<4d} N={n:<6d} {seconds * 1e3:9.3f} ms "
                      f"{bytes_read / seconds / 1e9:7.1f} GB/s {2 * t * n * K / seconds / 1e9:8.1f} GFLOP/s")


if __name__ == "__main__":
    main()
