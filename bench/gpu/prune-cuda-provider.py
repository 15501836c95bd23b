#!/usr/bin/env python3
"""Makes onnxruntime's CUDA provider library small enough to carry to a Hopper (sm_90) machine.

The library embeds GPU code for many architectures. This zeroes, in place (the layout stays, so the
zeroed bytes compress to almost nothing):
  * the code of every architecture but the one kept (default 90), and
  * sm_90 modules that only hold contrib/LLM kernels (flash attention, MoE, fpA_intB, cutlass),
    which the standard ONNX ops the engine uses never launch.
With CUDA_MODULE_LOADING=LAZY a module is only read when one of its kernels runs.
usage: prune-cuda-provider.py SRC.so DST.so [SM]
"""
import re, struct, subprocess, sys

src, dst = sys.argv[1], sys.argv[2]
keep = int(sys.argv[3]) if len(sys.argv) > 3 else 90
data = bytearray(open(src, 'rb').read())
for line in subprocess.check_output(['readelf', '-S', '-W', src]).decode().splitlines():
    if '.nv_fatbin' in line:
        f = line.split(']')[1].split()
        start, size = int(f[3], 16), int(f[4], 16)

NAME = re.compile(rb'_Z[A-Za-z0-9_]{6,}')
MARKERS = (b'flash', b'fpA_intB', b'3llm', b'moe', b'Moe', b'fmha', b'Fmha', b'cutlass')


def contrib_only(payload: bytes) -> bool:
    raw = subprocess.run(['zstd', '-d', '-q', '-c'], input=payload, capture_output=True).stdout
    names = set(NAME.findall(raw))
    core = False
    for n in names:
        for m in re.finditer(rb'11onnxruntime4cuda(\d+)', n):
            k = n[m.end():m.end() + int(m.group(1))]
            if k != b'std' and not k.startswith(b'cub'):
                core = True
    return not core and any(mk in n for n in names for mk in MARKERS)


pos, end, zeroed = start, start + size, 0
while pos < end:
    magic, _, hsz, fsz = struct.unpack_from('<IHHQ', data, pos)
    if magic != 0xBA55ED50:
        pos += 8
        continue
    p, e = pos + hsz, pos + hsz + fsz
    while p < e:
        _, _, ehsz, padded = struct.unpack_from('<HHIQ', data, p)
        payload_size = struct.unpack_from('<I', data, p + 16)[0]
        sm = struct.unpack_from('<I', data, p + 28)[0]
        body = bytes(data[p + ehsz:p + ehsz + payload_size])
        if sm != keep or contrib_only(body):
            data[p + ehsz:p + ehsz + padded] = bytes(padded)
            zeroed += padded
        p += ehsz + padded
    pos = e
open(dst, 'wb').write(data)
print(f'zeroed {zeroed / 1e6:.1f} MB of {size / 1e6:.1f} MB GPU code')
