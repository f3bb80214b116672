/// Token ids for a batch of texts, laid out `[count, contextLength]` row-major, as a stage writes `text.tokens`.
public struct TokenBatch: Sendable, Equatable {
    /// Number of texts (B).
    public let count: Int
    /// Tokens per row (T, 77 for CLIP).
    public let contextLength: Int
    /// `[B, T]` ids; padding is 0.
    public var ids: [Int32]
    /// `[B, T]`: true for the start token, the text's tokens and the end token.
    public var mask: [Bool]
    /// `[B]`: where each row's end token sits (CLIP pools its text feature there).
    public var endPositions: [Int32]
    /// `[B]`: whether the text was cut to fit the context.
    public var truncated: [Bool]

    /// `[count, contextLength]`.
    public var shape: [Int] { [count, contextLength] }

    /// An all-padding batch of `count` rows.
    public init(count: Int, contextLength: Int) {
        self.count = count
        self.contextLength = contextLength
        ids = [Int32](repeating: 0, count: count * contextLength)
        mask = [Bool](repeating: false, count: count * contextLength)
        endPositions = [Int32](repeating: 0, count: count)
        truncated = [Bool](repeating: false, count: count)
    }

    /// The ids of row `index`.
    public func row(_ index: Int) -> ArraySlice<Int32> {
        ids[(index * contextLength)..<((index + 1) * contextLength)]
    }
}
