import Foundation

/// One stored stage output: the folder `ROOT/entries/KK/KEY/` holding `output` (the stage's stdout, byte for
/// byte) and `info.json` (what ran, when, and the output's size). Only whole entries ever appear under that
/// name: they are built in `ROOT/tmp/` and renamed into place.
public struct CacheEntry: Sendable {
    public var key: CacheKey
    /// The stage as it was named on the command line.
    public var stage: String
    public var arguments: [String]
    /// When the entry was stored.
    public var created: Date
    /// When it was last stored or replayed (the modification time of `info.json`).
    public var lastUsed: Date
    /// Bytes of `output`.
    public var size: Int64
    /// The entry's folder.
    public var folder: String

    /// The stored output stream.
    public var outputPath: String { folder + "/output" }

    static let formatName = "unclip-cache/1"

    /// The `info.json` text.
    func infoJSON() throws -> [UInt8] {
        let object: [String: Any] = [
            "format": Self.formatName, "key": key.hex, "stage": stage, "arguments": arguments,
            "created": created.timeIntervalSince1970, "size": size,
        ]
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    /// Reads the entry in `folder`, or nil when it is not a whole, consistent entry (its info unreadable, or the
    /// output missing or of another size than recorded).
    static func read(folder: String) -> CacheEntry? {
        let infoPath = folder + "/info.json"
        guard let data = FileManager.default.contents(atPath: infoPath),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            object["format"] as? String == formatName,
            let hex = object["key"] as? String, let stage = object["stage"] as? String,
            let arguments = object["arguments"] as? [String], let created = object["created"] as? Double,
            let size = (object["size"] as? NSNumber)?.int64Value,
            let info = POSIXFiles.status(infoPath), let output = POSIXFiles.status(folder + "/output"),
            POSIXFiles.isRegularFile(output), Int64(output.st_size) == size
        else { return nil }
        return CacheEntry(
            key: CacheKey(hex: hex), stage: stage, arguments: arguments,
            created: Date(timeIntervalSince1970: created),
            lastUsed: Date(timeIntervalSince1970: Double(POSIXFiles.modificationNanoseconds(info)) / 1e9),
            size: size, folder: folder)
    }
}
