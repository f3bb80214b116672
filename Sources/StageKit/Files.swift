#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes text to stdout (for listings; binary frames go through `FrameWriter`).
public func writeText(_ text: String) { writeAll(1, text) }

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, then rename, so a failed
/// run never leaves a half-written file under the final name.
public func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let temporary = path + ".partial-\(getpid())"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw StageError("cannot create '\(path)': \(String(cString: strerror(errno)))") }
    var offset = 0
    let failure: String? = bytes.withUnsafeBytes { buffer in
        while offset < buffer.count {
            let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return String(cString: strerror(errno)) }
            offset += n
        }
        return nil
    }
    if close(fd) != 0 || failure != nil {
        unlink(temporary)
        throw StageError("cannot write '\(path)': \(failure ?? String(cString: strerror(errno)))")
    }
    guard rename(temporary, path) == 0 else {
        unlink(temporary)
        throw StageError("cannot write '\(path)': \(String(cString: strerror(errno)))")
    }
}

/// Reads a whole file, refusing files over `limit` bytes.
public func readFile(_ path: String, limit: Int = 1 << 30) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw StageError("cannot open '\(path)': \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n < 0 { throw StageError("cannot read '\(path)': \(String(cString: strerror(errno)))") }
        if n == 0 { return bytes }
        if bytes.count + n > limit { throw StageError("'\(path)' is larger than \(limit) bytes") }
        bytes += chunk[0..<n]
    }
}
