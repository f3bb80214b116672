// fuzz-libraries: TensorStream
// Feeds arbitrary bytes to FrameReader until EOF or the first error. Every frame that validates must survive a
// write/read round trip unchanged; anything else (a crash, a hang, an unbounded allocation) is a bug.
// Run: bin/fuzz FrameReader 600

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var reader = FrameReader(bytes: bytes, sourceName: "fuzz", maxHeaderBytes: 1 << 20)
    while true {
        let frame: Frame?
        do {
            frame = try reader.next()
        } catch {
            _ = (error as? TensorStreamError)?.description
            return 0
        }
        guard let frame else { return 0 }
        var again = FrameReader(bytes: frame.encoded(), sourceName: "re-encoded")
        var expected = frame
        expected.metadata[StreamFormat.MetadataKey.format] = StreamFormat.formatValue
        guard let decoded = try? again.next(), decoded == expected, (try? again.next()) == .some(nil) else {
            fatalError("a valid frame did not survive a write/read round trip")
        }
        for name in frame.names {
            if let tensor = frame[name], tensor.dtype.isInteger { _ = try? tensor.int64s() }
            _ = try? frame[name]?.floats()
        }
    }
}
