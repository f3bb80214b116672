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

    /// How many bytes remain, where that is known (memory, regular files); bounds the first allocation for a
    /// claimed size, and sizes it exactly for weight files.
    var remaining: Int? {
        switch self {
        case .fileDescriptor(let fd):
            var status = stat()
            guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
            let position = lseek(fd, 0, SEEK_CUR)
            guard position >= 0, Int64(status.st_size) >= Int64(position) else { return nil }
            return Int(Int64(status.st_size) - Int64(position))
        case .memory(let bytes, let position): return bytes.count &- position
        }
    }
}
