import Foundation
import StageKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Thin throwing wrappers over the POSIX file calls the cache needs (retrying on EINTR).
enum POSIXFiles {
    static func reason() -> String { String(cString: strerror(errno)) }

    static func openFile(_ path: String, _ flags: Int32, mode: mode_t = 0o644, operation: String) throws -> Int32 {
        while true {
            let fd = open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw CacheError.io(operation: operation, path: path, reason: reason()) }
        }
    }

    /// Reads up to `buffer.count` bytes; 0 at end of file.
    static func readChunk(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws -> Int {
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw CacheError.io(operation: "read", path: path, reason: reason()) }
        }
    }

    /// Writes all of `bytes`; EPIPE becomes `CacheError.brokenPipe`.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, base + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EPIPE { throw CacheError.brokenPipe }
            if n <= 0 { throw CacheError.io(operation: "write", path: path, reason: reason()) }
            offset += n
        }
    }

    /// Writes `bytes` to a new file at `path` and flushes it to the disk.
    static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        let fd = try openFile(path, O_WRONLY | O_CREAT | O_TRUNC, operation: "create")
        defer { close(fd) }
        try bytes.withUnsafeBytes { try writeAll(fd, $0, path: path) }
        try sync(fd, path: path)
    }

    static func sync(_ fd: Int32, path: String) throws {
        if fsync(fd) != 0 { throw CacheError.io(operation: "flush", path: path, reason: reason()) }
    }

    /// Creates a folder and its parents unless it exists.
    static func makeFolder(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CacheError.io(operation: "create folder", path: path, reason: "\(error.localizedDescription)")
        }
    }

    /// `stat(2)` (following links), or nil when the path does not exist or cannot be examined.
    static func status(_ path: String) -> stat? {
        var s = stat()
        return stat(path, &s) == 0 ? s : nil
    }

    static func isRegularFile(_ s: stat) -> Bool { (s.st_mode & S_IFMT) == S_IFREG }
    static func isFolder(_ s: stat) -> Bool { (s.st_mode & S_IFMT) == S_IFDIR }

    /// Modification time in nanoseconds since the epoch.
    static func modificationNanoseconds(_ s: stat) -> Int64 { FileDigestMemo.modificationNanoseconds(s) }

    /// Copies the whole file at `path` to the descriptor `fd`, in 1 MiB chunks.
    static func copy(file path: String, to fd: Int32, outputName: String) throws {
        let input = try openFile(path, O_RDONLY, operation: "open")
        defer { close(input) }
        try copy(from: input, name: path, to: fd, outputName: outputName)
    }

    /// Copies everything left in `input` to `fd`.
    static func copy(from input: Int32, name: String, to fd: Int32, outputName: String) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = try readChunk(input, into: buffer, path: name)
            if n == 0 { return }
            try writeAll(fd, UnsafeRawBufferPointer(rebasing: buffer[0..<n]), path: outputName)
        }
    }

    /// Removes a file or a folder and everything in it (symbolic links are removed, not followed).
    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The names in a folder, sorted; empty when it cannot be read.
    static func names(in path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    /// Sets a file's access and modification times to now.
    static func touch(_ path: String) {
        _ = utimes(path, nil)
    }
}
