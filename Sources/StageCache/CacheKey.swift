import StageKit

/// The name of a cache entry: the SHA-256 of everything that determines a stage's output.
///
/// The hashed text is a list of length-prefixed fields, so no two different invocations can spell the same
/// text: the stage as named, the digest of its executable, every argument, the contents of every argument that
/// names a file, the config/weights/tokenizer files of every argument that names a folder (a `--model DIR`),
/// and the bytes of the input stream.
public struct CacheKey: Hashable, Sendable, CustomStringConvertible {
    /// 64 lower-case hex digits.
    public let hex: String

    public init(hex: String) { self.hex = hex }

    public var description: String { hex }

    /// The key of running `stage` (found at `executable`) with `arguments` on an input whose digest is
    /// `inputDigest`. Arguments naming files or folders are read relative to the current folder, as the stage
    /// would read them.
    static func make(
        stage: String, executable: String, arguments: [String], inputDigest: String, digests: FileDigests
    ) throws -> CacheKey {
        var key = KeyText()
        key.field("unclip-cache", "1")
        key.field("stage", stage)
        key.field("executable", try digests.digest(ofFile: executable))
        key.field("arguments", String(arguments.count))
        for argument in arguments { key.field("argument", argument) }
        for (index, argument) in arguments.enumerated() {
            for candidate in pathCandidates(argument) {
                guard let s = POSIXFiles.status(candidate) else { continue }
                if POSIXFiles.isRegularFile(s) {
                    key.field("file", "\(index) \(try digests.digest(ofFile: candidate))")
                } else if POSIXFiles.isFolder(s) {
                    let files = try digests.digests(ofFolder: candidate)
                    key.field("folder", "\(index) \(files.count)")
                    for file in files { key.field("folder-file", "\(file.path) \(file.digest)") }
                }
            }
        }
        key.field("input", inputDigest)
        return CacheKey(hex: key.hasher.finalizeHex())
    }

    /// The strings in one argument that may name a file: the argument itself, and the value of `--name=value`.
    static func pathCandidates(_ argument: String) -> [String] {
        guard !argument.isEmpty, argument != "-" else { return [] }
        if argument.hasPrefix("-"), let eq = argument.firstIndex(of: "=") {
            let value = String(argument[argument.index(after: eq)...])
            return value.isEmpty ? [] : [value]
        }
        return [argument]
    }

    /// The length-prefixed field list being hashed.
    struct KeyText {
        var hasher = SHA256Hasher()

        mutating func field(_ tag: String, _ value: String) {
            hasher.update("\(tag) \(value.utf8.count):")
            hasher.update(value)
            hasher.update("\n")
        }
    }
}
