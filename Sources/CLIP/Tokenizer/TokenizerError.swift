/// What went wrong while loading a vocabulary or tokenizing text. Every case names the file (and line) or the text.
public enum TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be read or decompressed.
    case unreadableFile(path: String, reason: String)
    /// A line of a merges file (1-based `line`) is not two space-separated symbols, or repeats a merge.
    case malformedLine(path: String, line: Int, reason: String)
    /// The vocabulary is unusable as a whole (missing byte symbols, a merge result not in the vocabulary, …).
    case invalidVocabulary(path: String, reason: String)
    /// With truncation turned off, text `index` of a batch needs more than the context length.
    case textTooLong(index: Int, tokenCount: Int, contextLength: Int)

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason):
            return "\(path): cannot read vocabulary: \(reason)"
        case .malformedLine(let path, let line, let reason):
            return "\(path):\(line): \(reason)"
        case .invalidVocabulary(let path, let reason):
            return "\(path): invalid vocabulary: \(reason)"
        case .textTooLong(let index, let count, let context):
            return "text \(index) has \(count) tokens, more than the context length \(context)"
        }
    }
}
