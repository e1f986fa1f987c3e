#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A copy of a ringvmm binary with another version string, for the live
update tests: `reversion.py SRC DST [--foreign-snapshots|--early-exit]`
writes DST, SRC
with every copy of its version (as `SRC --version` prints it) replaced by
one of the same length that differs (upd2...), and prints the new version.
Same length: nothing else in the binary moves, so it runs as SRC does.
--foreign-snapshots also changes the snapshot format's magic: DST then
refuses SRC's state, as a ringvmm of an incompatible format would (the
update's fallback test). --early-exit renames the hidden option
--update-fds: DST still answers --version, but exits (status 2, an unknown
option) at once when an update starts it, before it can say why, as a
binary that dies at start-up would. REVERSION_RUNNER (e.g. qemu-aarch64-static) runs
`SRC --version` for a SRC of another architecture."""
import os
import subprocess
import sys

src, dst = sys.argv[1], sys.argv[2]
foreign = sys.argv[3:] == ['--foreign-snapshots']
early = sys.argv[3:] == ['--early-exit']
runner = os.environ.get('REVERSION_RUNNER', '').split()
out = subprocess.run(runner + [src, '--version'], capture_output=True, text=True,
                     check=True).stdout
old = out.split()[1].encode()
new = (b'upd2-' + old)[:len(old)]
if len(old) < 4 or new == old:
    sys.exit('version %r too short to change' % old)
data = open(src, 'rb').read()
n = data.count(old)
if n == 0:
    sys.exit('version %r not found in %s' % (old, src))
data = data.replace(old, new)
if foreign:
    magic = b'RVMSNAP\n'
    if magic not in data:
        sys.exit('no snapshot magic in %s' % src)
    data = data.replace(magic, b'RVMSNAX\n')
if early:
    opt = b'update-fds'
    if opt not in data:
        sys.exit('no option %r in %s' % (opt, src))
    data = data.replace(opt, b'update-fdX')
with open(dst, 'wb') as f:
    f.write(data)
os.chmod(dst, 0o755)
print(new.decode())
