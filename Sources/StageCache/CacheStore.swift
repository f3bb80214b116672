import Foundation
import StageKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The cache folder: `entries/KK/KEY/` (whole entries, see ``CacheEntry``), `tmp/` (entries being written and
/// spooled input) and `digests/` (remembered file digests, see ``FileDigests``).
///
/// Safe with concurrent writers and interrupted runs: an entry is written and flushed in its own folder under
/// `tmp/`, then renamed to its key in one step; when two writers race, the first rename wins and the second
/// discards its copy. A reader never sees a half-written entry, and an entry whose files disagree with its
/// `info.json` is treated as missing (and removed).
public struct CacheStore: Sendable {
    public let root: String

    var entriesFolder: String { root + "/entries" }
    var temporaryFolder: String { root + "/tmp" }
    var digestsFolder: String { root + "/digests" }

    /// Opens (creating it if needed) the cache folder `root`.
    public init(root: String) throws {
        self.root = root
        for folder in [entriesFolder, temporaryFolder, digestsFolder] { try POSIXFiles.makeFolder(folder) }
    }

    /// The default folder: `$XDG_CACHE_HOME/unclip`, else `$HOME/.cache/unclip`; nil without either.
    public static func defaultRoot(environment: [String: String]) -> String? {
        FileDigestMemo.cacheRoot(environment: environment)
    }

    var digests: FileDigests { FileDigests(memo: FileDigestMemo(folder: digestsFolder)) }

    func entryFolder(_ key: CacheKey) -> String {
        "\(entriesFolder)/\(key.hex.prefix(2))/\(key.hex)"
    }

    /// The whole entry stored under `key`, or nil. An inconsistent entry is removed so that it can be rebuilt.
    public func lookup(_ key: CacheKey) -> CacheEntry? {
        let folder = entryFolder(key)
        guard POSIXFiles.status(folder) != nil else { return nil }
        if let entry = CacheEntry.read(folder: folder), entry.key == key { return entry }
        discard(folder)
        return nil
    }

    /// A fresh folder under `tmp/` for one writer (named after the process, so `clear` can tell a dead
    /// writer's leftovers).
    func makeTemporaryFolder() throws -> String {
        for _ in 0..<16 {
            let path = "\(temporaryFolder)/\(getpid())-\(UInt64.random(in: 0...UInt64.max) >> 16)"
            if mkdir(path, 0o755) == 0 { return path }
            if errno != EEXIST {
                throw CacheError.io(operation: "create folder", path: path, reason: POSIXFiles.reason())
            }
        }
        throw CacheError.io(operation: "create folder", path: temporaryFolder, reason: "no free name")
    }

    /// Installs the finished entry in `temporary` under its key. Returns false (and leaves `temporary` alone)
    /// when another writer stored the key first.
    func commit(temporary: String, key: CacheKey) throws -> Bool {
        let final = entryFolder(key)
        try POSIXFiles.makeFolder((final as NSString).deletingLastPathComponent)
        if rename(temporary, final) == 0 { return true }
        if errno == EEXIST || errno == ENOTEMPTY { return false }
        throw CacheError.io(operation: "store entry", path: final, reason: POSIXFiles.reason())
    }

    /// Every whole entry, oldest first.
    public func entries() -> [CacheEntry] {
        var out: [CacheEntry] = []
        for shard in POSIXFiles.names(in: entriesFolder) {
            for name in POSIXFiles.names(in: "\(entriesFolder)/\(shard)") {
                if let entry = CacheEntry.read(folder: "\(entriesFolder)/\(shard)/\(name)") { out.append(entry) }
            }
        }
        return out.sorted { $0.created != $1.created ? $0.created < $1.created : $0.key.hex < $1.key.hex }
    }

    /// Removes the entries not used since `cutoff` (all of them when nil), inconsistent entries, remembered file
    /// digests older than `cutoff`, and leftovers of writers that died (on this machine). Returns the number of entries removed and their bytes.
    @discardableResult
    public func clear(notUsedSince cutoff: Date?) -> (entries: Int, bytes: Int64) {
        var count = 0
        var bytes: Int64 = 0
        for shard in POSIXFiles.names(in: entriesFolder) {
            for name in POSIXFiles.names(in: "\(entriesFolder)/\(shard)") {
                let folder = "\(entriesFolder)/\(shard)/\(name)"
                guard let entry = CacheEntry.read(folder: folder) else {
                    discard(folder)
                    continue
                }
                if let cutoff, entry.lastUsed >= cutoff { continue }
                discard(folder)
                count += 1
                bytes += entry.size
            }
        }
        // Remembered digests are recomputed when needed; drop those not written since the cutoff.
        for name in POSIXFiles.names(in: digestsFolder) {
            let path = "\(digestsFolder)/\(name)"
            guard let cutoff, let s = POSIXFiles.status(path),
                Double(POSIXFiles.modificationNanoseconds(s)) / 1e9 >= cutoff.timeIntervalSince1970
            else {
                unlink(path)
                continue
            }
        }
        for name in POSIXFiles.names(in: temporaryFolder) {
            let writer = name.split(separator: "-").first.flatMap { pid_t($0) }
            let alive = writer.map { $0 == getpid() || kill($0, 0) == 0 || errno == EPERM } ?? false
            if !alive { POSIXFiles.removeTree("\(temporaryFolder)/\(name)") }
        }
        return (count, bytes)
    }

    /// Removes an entry folder: first renamed out of `entries/` (one step, so no reader sees it half removed),
    /// then deleted.
    func discard(_ folder: String) {
        guard let trash = try? makeTemporaryFolder() else { return }
        let target = trash + "/entry"
        if rename(folder, target) == 0 {
            POSIXFiles.removeTree(trash)
        } else {
            rmdir(trash)
        }
    }
}
