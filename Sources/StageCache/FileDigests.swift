import Foundation
import StageKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SHA-256 digests of files, remembered in the cache folder by (device, inode, size, modification time) so that a
/// model's weights are read once, not on every run (the way ccache and git trust a file's status).
///
/// A file modified less than two seconds ago is hashed but not remembered: a later write within the same
/// timestamp tick would otherwise go unnoticed.
struct FileDigests {
    /// Where the remembered digests live (`ROOT/digests`); nil remembers nothing.
    var memoFolder: String?

    /// File name extensions of the files of a folder argument that enter the key (a model folder's config,
    /// weights and tokenizer).
    static let folderExtensions: Set<String> = ["json", "safetensors", "txt", "gz"]
    /// How deep a folder argument is searched: its own files, its subfolders' and theirs.
    static let folderDepth = 2

    /// The hex digest of the regular file at `path`.
    func digest(ofFile path: String) throws -> String {
        guard let s = POSIXFiles.status(path), POSIXFiles.isRegularFile(s) else {
            throw CacheError.io(operation: "read", path: path, reason: "not a regular file")
        }
        let stamp = "\(s.st_size) \(POSIXFiles.modificationNanoseconds(s))"
        let memo = memoFolder.map { "\($0)/\(s.st_dev)-\(s.st_ino)" }
        if let memo, let text = try? String(contentsOfFile: memo, encoding: .utf8) {
            let parts = text.split(separator: " ")
            if parts.count == 3, "\(parts[0]) \(parts[1])" == stamp, parts[2].count == 64 { return String(parts[2]) }
        }
        let digest = try Self.hash(path)
        let age = Date().timeIntervalSince1970 - Double(POSIXFiles.modificationNanoseconds(s)) / 1e9
        if let memo, age > 2 {
            // Written whole under a temporary name, then renamed: a reader sees the old memo or the new one.
            let temporary = memo + ".partial-\(getpid())"
            if (try? POSIXFiles.writeFile(temporary, Array("\(stamp) \(digest)".utf8))) != nil {
                if rename(temporary, memo) != 0 { unlink(temporary) }
            }
        }
        return digest
    }

    /// The relative paths and digests of the files of a folder that enter the key, sorted by path.
    func digests(ofFolder path: String) throws -> [(path: String, digest: String)] {
        var out: [(path: String, digest: String)] = []
        func walk(_ relative: String, depth: Int) throws {
            let folder = relative.isEmpty ? path : path + "/" + relative
            for name in POSIXFiles.names(in: folder) where !name.hasPrefix(".") {
                let child = relative.isEmpty ? name : relative + "/" + name
                guard let s = POSIXFiles.status(path + "/" + child) else { continue }
                if POSIXFiles.isFolder(s) {
                    if depth < Self.folderDepth { try walk(child, depth: depth + 1) }
                } else if POSIXFiles.isRegularFile(s),
                    let dot = name.lastIndex(of: "."),
                    Self.folderExtensions.contains(name[name.index(after: dot)...].lowercased())
                {
                    out.append((child, try digest(ofFile: path + "/" + child)))
                }
            }
        }
        try walk("", depth: 0)
        return out.sorted { $0.path < $1.path }
    }

    /// Reads and hashes a whole file.
    static func hash(_ path: String) throws -> String {
        let fd = try POSIXFiles.openFile(path, O_RDONLY, operation: "read")
        defer { close(fd) }
        var hasher = SHA256Hasher()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = try POSIXFiles.readChunk(fd, into: buffer, path: path)
            if n == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        return hasher.finalizeHex()
    }
}
