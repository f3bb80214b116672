import Foundation
import StageKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SHA-256 digests of files and model folders, remembered in the cache folder (see ``FileDigestMemo``, whose
/// memos the stages share).
struct FileDigests {
    /// Where and which digests are remembered (`ROOT/digests`; a folder of nil remembers nothing).
    var memo: FileDigestMemo

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
        return try memo.hexDigest(ofFile: path)
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
}
