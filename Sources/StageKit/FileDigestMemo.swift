import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SHA-256 digests of files remembered in a folder by (device, inode, size, modification time), so that a large
/// file — a model's weights, gigabytes at full size — is read once, not on every run (the way ccache and git
/// trust a file's status). One memo per file, `<folder>/<device>-<inode>`, holding `<size> <mtime ns> <digest>`.
/// A file modified less than two seconds ago is hashed but not remembered: a later write within the same
/// timestamp tick would otherwise go unnoticed. A memo that cannot be read or written is ignored. Files under
/// `minimumBytes` are hashed every time and leave no memo, so that small and temporary files do not fill the folder.
public struct FileDigestMemo: Sendable {
    /// Where the memos live; nil remembers nothing.
    public var folder: String?
    /// The smallest file worth remembering.
    public var minimumBytes: Int
    /// 16 MiB: hashing less takes at most about a tenth of a second.
    public static let defaultMinimumBytes = 16 << 20

    public init(folder: String?, minimumBytes: Int = defaultMinimumBytes) {
        self.folder = folder
        self.minimumBytes = minimumBytes
    }

    /// The stages' memo: `digests/` in `$XDG_CACHE_HOME/unclip`, else `$HOME/.cache/unclip` (the folder
    /// `unclip-cache` keeps its digests in), created on first use; nothing is remembered without either variable.
    public static var standard: FileDigestMemo {
        guard let root = cacheRoot(environment: ProcessInfo.processInfo.environment) else { return .init(folder: nil) }
        let folder = root + "/digests"
        let made = (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil
        return .init(folder: made ? folder : nil)
    }

    /// UnCLIP's cache folder: `$XDG_CACHE_HOME/unclip`, else `$HOME/.cache/unclip`; nil without either.
    public static func cacheRoot(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/unclip" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.cache/unclip" }
        return nil
    }

    /// The lower-case hex SHA-256 of the file at `path`, remembered or computed (and then remembered).
    public func hexDigest(ofFile path: String) throws -> String {
        var s = stat()
        guard stat(path, &s) == 0, s.st_size >= minimumBytes else { return try SHA256.hexDigest(ofFile: path) }
        let stamp = "\(s.st_size) \(Self.modificationNanoseconds(s))"
        let memo = folder.map { "\($0)/\(s.st_dev)-\(s.st_ino)" }
        if let memo, let text = try? String(contentsOfFile: memo, encoding: .utf8) {
            let parts = text.split(separator: " ")
            if parts.count == 3, "\(parts[0]) \(parts[1])" == stamp, parts[2].count == 64 { return String(parts[2]) }
        }
        let digest = try SHA256.hexDigest(ofFile: path)
        let age = Date().timeIntervalSince1970 - Double(Self.modificationNanoseconds(s)) / 1e9
        if let memo, age > 2 {
            // Written whole under a temporary name, then renamed: a reader sees the old memo or the new one.
            let temporary = memo + ".partial-\(getpid())"
            if FileManager.default.createFile(atPath: temporary, contents: Data("\(stamp) \(digest)".utf8)) {
                if rename(temporary, memo) != 0 { unlink(temporary) }
            }
        }
        return digest
    }

    /// Modification time in nanoseconds since the epoch.
    public static func modificationNanoseconds(_ s: stat) -> Int64 {
        #if canImport(Darwin)
            return Int64(s.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(s.st_mtimespec.tv_nsec)
        #else
            return Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec)
        #endif
    }
}
