#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The system's message for an errno value.
func errnoDescription(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return String(cString: text) + " (errno \(code))"
}

/// Low-level I/O on file descriptors that retries on EINTR and finishes short transfers.
enum POSIXIO {
    /// Reads until `buffer` is full or EOF; returns the bytes read. Throws the errno on failure.
    static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let n = read(fd, base + done, buffer.count - done)
            if n > 0 {
                done += n
            } else if n == 0 {
                break
            } else if errno != EINTR {
                throw POSIXError(code: errno)
            }
        }
        return done
    }

    /// Writes every byte of every chunk, in order, with `writev`; retries on EINTR and after short writes.
    static func writeAll(_ fd: Int32, _ chunks: [UnsafeRawBufferPointer]) throws {
        var vectors: [iovec] = []
        vectors.reserveCapacity(chunks.count)
        for chunk in chunks where chunk.count > 0 {
            if let base = chunk.baseAddress {
                vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: base), iov_len: chunk.count))
            }
        }
        var first = 0
        let maxVectors = 1024  // IOV_MAX on Linux and Darwin
        while first < vectors.count {
            let count = min(vectors.count - first, maxVectors)
            let n = vectors.withUnsafeMutableBufferPointer { all -> Int in
                guard let base = all.baseAddress else { return 0 }
                return writev(fd, base + first, Int32(count))
            }
            if n == 0 { throw POSIXError(code: EIO) }  // no progress on a non-empty write: give up, never spin
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXError(code: errno)
            }
            // Skip the vectors written in full, then trim the one written in part.
            var left = n
            while left > 0 && first < vectors.count {
                if left >= vectors[first].iov_len {
                    left -= vectors[first].iov_len
                    first += 1
                } else {
                    vectors[first].iov_base += left
                    vectors[first].iov_len -= left
                    left = 0
                }
            }
        }
    }
}

extension POSIXIO {
    /// Asks Linux for a 1 MiB pipe buffer on `fd` if it is a pipe: 16 times fewer context switches per frame than
    /// the default 64 KiB. Failure (not a pipe, over `/proc/sys/fs/pipe-max-size`, another OS) changes nothing.
    static func enlargePipeBuffer(_ fd: Int32) {
        #if os(Linux)
            var status = stat()
            guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFIFO else { return }
            let setPipeSize: Int32 = 1031  // F_SETPIPE_SZ (F_LINUX_SPECIFIC_BASE + 7), hidden behind _GNU_SOURCE
            _ = fcntl(fd, setPipeSize, Int32(1 << 20))
        #endif
    }
}

/// An errno value thrown by ``POSIXIO``.
struct POSIXError: Error {
    let code: Int32
}
