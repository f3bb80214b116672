#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes frames to a file descriptor: the header, then each tensor's bytes straight from its storage with one
/// `writev` (no copies of tensor data).
///
/// A frame is fully built and checked before its first byte is written, so a failure inside the writer never
/// starts a frame it cannot finish; only an I/O error part way (the reader gone, a full disk) can cut one short,
/// and then the stage must stop writing. A closed pipe throws ``TensorStreamError/brokenPipe``; for that the
/// process must ignore `SIGPIPE` (StageKit does), otherwise the signal ends it first.
public struct FrameWriter {
    /// The descriptor written to (not closed by the writer).
    public let fileDescriptor: Int32

    /// A writer to `fileDescriptor`, e.g. `STDOUT_FILENO`.
    public init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
        POSIXIO.enlargePipeBuffer(fileDescriptor)
    }

    /// Writes `frame` whole, with `__metadata__["format"]` set to ``StreamFormat/formatValue``.
    public func write(_ frame: Frame) throws {
        let header = HeaderEncoder.encode(frame)
        let tensors = frame.tensorsInOrder.map(\.tensor)
        do {
            try withExtendedLifetime(tensors) {
                try header.withUnsafeBytes { headerBytes throws in
                    var chunks = [headerBytes]
                    chunks.reserveCapacity(tensors.count + 1)
                    for tensor in tensors {
                        chunks.append(
                            UnsafeRawBufferPointer(start: tensor.storage.base + tensor.offset, count: tensor.byteCount))
                    }
                    try POSIXIO.writeAll(fileDescriptor, chunks)
                }
            }
        } catch let error as POSIXError {
            throw error.code == EPIPE ? TensorStreamError.brokenPipe : TensorStreamError.writeFailed(errno: error.code)
        }
    }
}

extension Frame {
    /// The frame as the bytes ``FrameWriter`` would write (one safetensors file).
    public func encoded() -> [UInt8] {
        var bytes = HeaderEncoder.encode(self)
        for (_, tensor) in tensorsInOrder {
            tensor.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }
        return bytes
    }
}
