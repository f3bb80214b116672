import Foundation

/// The structured attributes as JSON, for `captions.tsv` and the `scenes` metadata key.
extension Scene {
    /// The scene as one line of compact JSON with sorted keys, e.g.
    /// `{"background":{"colors":["white"],"style":"plain"},"objects":[{"color":"red","position":"left",…}],
    /// "seed":3,"split":"train"}`.
    public var attributesJSON: String {
        Scene.encodeJSON(self)
    }

    /// A JSON array of scenes on one line (the `scenes` metadata value of a shard).
    public static func attributesJSON(_ scenes: [Scene]) -> String {
        encodeJSON(scenes)
    }

    private static func encodeJSON<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain enums, strings and finite doubles cannot fail; an empty array is the safe answer if it did.
        guard let data = try? encoder.encode(value) else { return "[]" }
        return String(decoding: data, as: UTF8.self)
    }
}
