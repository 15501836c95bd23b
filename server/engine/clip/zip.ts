/**
 * A minimal reader for the uncompressed ("stored") zip archives PyTorch writes (`torch.save`,
 * `torch.jit.save`): the central directory, zip64 sizes and offsets, entries as views into the bytes.
 * No decompression: PyTorch stores tensors and pickles uncompressed (a TorchScript archive deflates only
 * its code, which we never read), so reading a compressed entry's data is an error that names it.
 */

export interface ZipEntry {
  name: string;
  /** The entry's bytes (a view, no copy); throws for a compressed entry. */
  readonly data: Uint8Array;
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function readZip(bytes: Uint8Array, what = "zip"): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let at = bytes.byteLength - 22; at >= Math.max(0, bytes.byteLength - 22 - 65535); at--) {
    if (view.getUint32(at, true) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${what}: not a zip archive (no end of central directory)`);
  let count = view.getUint16(eocd + 10, true);
  let dirOffset = view.getUint32(eocd + 16, true);
  const locator = eocd - 20;
  if (locator >= 0 && view.getUint32(locator, true) === EOCD64_LOCATOR) {
    const eocd64 = Number(view.getBigUint64(locator + 8, true));
    count = Number(view.getBigUint64(eocd64 + 32, true));
    dirOffset = Number(view.getBigUint64(eocd64 + 48, true));
  }
  const entries = new Map<string, ZipEntry>();
  let at = dirOffset;
  const decoder = new TextDecoder();
  for (let i = 0; i < count; i++) {
    if (view.getUint32(at, true) !== CENTRAL)
      throw new Error(`${what}: broken central directory at byte ${at}`);
    const method = view.getUint16(at + 10, true);
    let size = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let local = view.getUint32(at + 42, true);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    // zip64: the 0xffffffff fields are in the extra field 0x0001, in this order.
    const extra = at + 46 + nameLength;
    for (let e = extra; e + 4 <= extra + extraLength;) {
      const id = view.getUint16(e, true);
      const len = view.getUint16(e + 2, true);
      if (id === 1) {
        let f = e + 4;
        if (view.getUint32(at + 24, true) === 0xffffffff) f += 8; // uncompressed size
        if (size === 0xffffffff) {
          size = Number(view.getBigUint64(f, true));
          f += 8;
        }
        if (local === 0xffffffff) local = Number(view.getBigUint64(f, true));
      }
      e += 4 + len;
    }
    if (view.getUint32(local, true) !== LOCAL)
      throw new Error(`${what}: entry '${name}' has no local header at byte ${local}`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + size > bytes.byteLength)
      throw new Error(
        `${what}: entry '${name}' runs past the end of the file (truncated download?)`,
      );
    entries.set(name, {
      name,
      get data() {
        if (method !== 0)
          throw new Error(
            `${what}: entry '${name}' is compressed (method ${method}); only stored entries are read`,
          );
        return bytes.subarray(start, start + size);
      },
    });
    at = extra + extraLength + commentLength;
  }
  return entries;
}
