// fuzz-libraries: Imaging
// Fuzzes JPEG decoding (markers, Huffman tables, baseline and progressive scans, restarts, IDCT, upsampling).
// Run: bin/fuzz JPEGDecoder 600

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let image = try? JPEG.decode(bytes) else { return 0 }
    precondition(image.pixels.count == image.width * image.height * image.channels)
    precondition(image.channels == 1 || image.channels == 3)
    return 0
}
