"""Checks PNG files with the Python standard library only (zlib).

    python3 pngcheck.py MIN_WIDTH MIN_HEIGHT MIN_COLOURS MAX_SHARE FILE...

For each file: the PNG signature, an IHDR of at least MIN_WIDTH x MIN_HEIGHT,
8-bit RGB or RGBA (what gnuplot's pngcairo and chromium write), IDAT data
that inflates to exactly the size the header promises, every row's filter
undone, and then at least MIN_COLOURS distinct colours and at most MAX_SHARE
percent of the pixels of one colour (a blank or one-colour image fails).  Prints one
line per file; exits 1 if any file fails.
"""
import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("no PNG signature")
    pos, chunks = 8, {}
    idat = []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc, = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError("bad CRC in chunk %r" % kind)
        if kind == b"IDAT":
            idat.append(body)
        chunks.setdefault(kind, body)
        pos += 12 + length
        if kind == b"IEND":
            break
    if b"IHDR" not in chunks or b"IEND" not in chunks or not idat:
        raise ValueError("IHDR, IDAT or IEND missing")
    w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("not 8-bit RGB/RGBA non-interlaced (depth %d, type %d)" % (depth, ctype))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    if len(raw) != h * (stride + 1):
        raise ValueError("image data is %d bytes, the header promises %d" % (len(raw), h * (stride + 1)))
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        elif f != 0:
            raise ValueError("unknown filter type %d in row %d" % (f, y))
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def main():
    min_w, min_h, min_colours, max_share = map(int, sys.argv[1:5])
    bad = 0
    for path in sys.argv[5:]:
        try:
            w, h, bpp, rows = decode(path)
            counts = {}
            for line in rows:
                for i in range(0, len(line), bpp):
                    px = line[i:i + 3]
                    counts[px] = counts.get(px, 0) + 1
            top = max(counts.values()) / float(w * h)
            problems = []
            if w < min_w or h < min_h:
                problems.append("%dx%d is smaller than %dx%d" % (w, h, min_w, min_h))
            if len(counts) < min_colours:
                problems.append("%d colours, fewer than %d" % (len(counts), min_colours))
            if 100 * top > max_share:
                problems.append("%.1f%% of the pixels are one colour" % (100 * top))
            status = "FAILED: " + "; ".join(problems) if problems else "ok"
            print("%s: %dx%d, %d colours, commonest colour %.1f%% -- %s" % (path, w, h, len(counts), 100 * top, status))
            bad += bool(problems)
        except (ValueError, OSError, zlib.error, struct.error) as e:
            print("%s: FAILED: %s" % (path, e))
            bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
