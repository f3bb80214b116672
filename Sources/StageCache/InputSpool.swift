import StageKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The cached stage's input, read once to hash it: the descriptor the stage will read and the input's digest.
///
/// A pipe is copied to an unnamed file in the cache's `tmp/` while it is hashed (it may be far larger than
/// memory, and it can be read only once); a regular file is hashed in place and rewound; a terminal is not read
/// at all (the stage gets an empty stdin, like `/dev/null`).
struct InputSpool {
    /// What the stage reads as stdin.
    let descriptor: Int32
    /// The digest of the input bytes.
    let digest: String
    /// Whether `descriptor` is ours to close.
    let owned: Bool

    static func capture(from input: Int32, spoolFolder: String) throws -> InputSpool {
        if isatty(input) != 0 {
            let null = try POSIXFiles.openFile("/dev/null", O_RDONLY, operation: "open")
            return InputSpool(descriptor: null, digest: SHA256Hasher().finalizeOnce(), owned: true)
        }
        var s = stat()
        if fstat(input, &s) == 0, POSIXFiles.isRegularFile(s) {
            let start = lseek(input, 0, SEEK_CUR)
            if start >= 0 {
                let digest = try hash(input, copyTo: nil)
                guard lseek(input, start, SEEK_SET) == start else {
                    throw CacheError.io(operation: "rewind", path: "stdin", reason: POSIXFiles.reason())
                }
                return InputSpool(descriptor: input, digest: digest, owned: false)
            }
        }
        // Unlinked as soon as it is open: nothing is left behind, whatever happens to this process.
        let path = "\(spoolFolder)/\(getpid())-input-\(UInt64.random(in: 0...UInt64.max) >> 16)"
        let spool = try POSIXFiles.openFile(path, O_RDWR | O_CREAT | O_EXCL, mode: 0o600, operation: "create")
        unlink(path)
        do {
            let digest = try hash(input, copyTo: spool)
            guard lseek(spool, 0, SEEK_SET) == 0 else {
                throw CacheError.io(operation: "rewind", path: path, reason: POSIXFiles.reason())
            }
            return InputSpool(descriptor: spool, digest: digest, owned: true)
        } catch {
            close(spool)
            throw error
        }
    }

    /// Hashes everything left in `input`, copying it to `copy` when given.
    static func hash(_ input: Int32, copyTo copy: Int32?) throws -> String {
        var hasher = SHA256Hasher()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = try POSIXFiles.readChunk(input, into: buffer, path: "stdin")
            if n == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            hasher.update(chunk)
            if let copy { try POSIXFiles.writeAll(copy, chunk, path: "the input spool") }
        }
        return hasher.finalizeHex()
    }

    func release() {
        if owned { close(descriptor) }
    }
}

extension SHA256Hasher {
    /// The digest of nothing more.
    fileprivate func finalizeOnce() -> String {
        var copy = self
        return copy.finalizeHex()
    }
}
