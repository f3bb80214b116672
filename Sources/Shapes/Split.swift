/// Which part of the data set a scene belongs to.
///
/// The split is defined on colour–shape pairs and on seed streams:
/// - `train`: scenes that never contain any of `Split.heldOutCombinations`, in any object.
/// - `test`: in-distribution evaluation. The same distribution as `train` (no held-out pair), drawn from a
///   separate random stream: scene seed s of `test` is unrelated to scene seed s of `train`, so the two never
///   share a scene (a collision needs two 64-bit hashes to agree).
/// - `heldout`: compositional evaluation. The first object of every scene is one of the held-out pairs,
///   which training never shows; every colour and every shape is still seen in training with other partners.
///   Other objects in the scene follow the training distribution.
public enum Split: String, CaseIterable, Codable, Sendable {
    case train, test, heldout

    /// The six colour–shape pairs that `train` and `test` never contain. Each colour and each shape appears in
    /// at most one pair, so each is still seen in training.
    public static let heldOutCombinations: [Combination] = [
        Combination(color: .purple, shape: .heart),
        Combination(color: .green, shape: .star),
        Combination(color: .orange, shape: .ring),
        Combination(color: .yellow, shape: .cross),
        Combination(color: .cyan, shape: .hexagon),
        Combination(color: .brown, shape: .triangle),
    ]

    /// Whether a colour–shape pair is one of the held-out pairs.
    public static func isHeldOut(_ combination: Combination) -> Bool {
        heldOutCombinations.contains(combination)
    }

    /// The stream number that separates this split's random streams from the others'.
    var stream: UInt64 {
        switch self {
        case .train: return 0x7472_6169_6E00_0001
        case .test: return 0x7465_7374_0000_0002
        case .heldout: return 0x6865_6C64_6F75_7403
        }
    }
}
