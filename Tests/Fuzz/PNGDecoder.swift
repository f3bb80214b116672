// fuzz-libraries: Imaging
// Fuzzes PNG decoding (chunks, CRCs, inflate, filters, Adam7). Run: bin/fuzz PNGDecoder 600
// Each input is decoded twice: as is, and with checksum verification off so that mutations get past the CRCs.
// A decoded image must be self-consistent and survive an encode/decode round trip.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for verify in [true, false] {
        PNG.verifiesChecksums = verify
        defer { PNG.verifiesChecksums = true }
        guard let image = try? PNG.decode(bytes) else { continue }
        precondition(image.pixels.count == image.width * image.height * image.channels)
        if image.pixels.count <= 1 << 16 {
            precondition((try? PNG.decode(PNG.encode(image))) == image)
        }
    }
    return 0
}
