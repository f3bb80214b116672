#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a ``FrameReader`` gets bytes: a file descriptor, or an in-memory buffer (tests and fuzzing).
enum ByteSource {
    case fileDescriptor(Int32)
    case memory([UInt8], position: Int)

    /// Fills `buffer` completely unless EOF comes first; returns the number of bytes read.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        switch self {
        case .fileDescriptor(let fd):
            return try POSIXIO.readFully(fd, into: buffer)
        case .memory(let bytes, let position):
            let count = min(buffer.count, bytes.count &- position)
            guard count > 0 else { return 0 }
            bytes.withUnsafeBytes { all in
                if let from = all.baseAddress, let to = buffer.baseAddress {
                    to.copyMemory(from: from + position, byteCount: count)
                }
            }
            self = .memory(bytes, position: position &+ count)
            return count
        }
    }

    /// How many bytes remain, where that is known; bounds the first allocation for a claimed size.
    var remaining: Int? {
        switch self {
        case .fileDescriptor: nil
        case .memory(let bytes, let position): bytes.count &- position
        }
    }
}
