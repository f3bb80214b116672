import Foundation

/// How DDPM/DDIM-style respacing picks N of the T training timesteps (diffusers' `timestep_spacing`).
public enum TimestepSpacing: Equatable, Sendable {
    /// i · ⌊T/N⌋ + offset for i = 0…N−1 (diffusers' default `leading`, with `steps_offset`).
    case leading(offset: Int)
    /// round(T − i · T/N) − 1: always starts at T − 1 (`trailing`).
    case trailing
    /// round(linspace(0, T − 1, N)) (`linspace`).
    case linspace
}

/// One jump of a respaced reverse process: from `timestep` to `previous` (−1 = the clean sample).
public struct TimestepPair: Equatable, Sendable {
    /// The current timestep t (the model is evaluated here).
    public let timestep: Int
    /// The timestep the step lands on; −1 means the clean sample (ᾱ = 1, or DDIM's final ᾱ).
    public let previous: Int

    /// A jump t → previous.
    public init(timestep: Int, previous: Int) {
        self.timestep = timestep
        self.previous = previous
    }
}

/// The N sampling timesteps chosen from T training timesteps, in descending order, each with the timestep its step
/// lands on. Respacing never rebuilds the betas: samplers recompute the jump's beta as 1 − ᾱ_t / ᾱ_prev from the
/// training schedule, as Karlo and diffusers do.
public struct TimestepSchedule: RandomAccessCollection, Equatable, Sendable {
    /// The jumps, noisiest first.
    public let pairs: [TimestepPair]
    /// Number of training timesteps T the timesteps index into.
    public let trainingSteps: Int

    public var startIndex: Int { pairs.startIndex }
    public var endIndex: Int { pairs.endIndex }
    public subscript(position: Int) -> TimestepPair { pairs[position] }

    /// The timesteps alone, descending.
    public var timesteps: [Int] { pairs.map(\.timestep) }

    /// Explicit jumps. Throws if a timestep or previous timestep is out of range or the timesteps do not descend.
    public init(pairs: [TimestepPair], trainingSteps: Int) throws {
        guard !pairs.isEmpty else {
            throw DiffusionError.invalidConfiguration(field: "pairs", reason: "need at least one timestep")
        }
        for (i, pair) in pairs.enumerated() {
            if pair.timestep < 0 || pair.timestep >= trainingSteps {
                throw DiffusionError.timestepOutOfRange(
                    field: "pairs[\(i)].timestep", timestep: pair.timestep, trainingSteps: trainingSteps)
            }
            if i > 0 && pair.timestep >= pairs[i - 1].timestep {
                throw DiffusionError.invalidConfiguration(
                    field: "pairs[\(i)].timestep", reason: "timesteps must strictly descend")
            }
            if pair.previous < -1 || pair.previous >= pair.timestep {
                throw DiffusionError.invalidConfiguration(
                    field: "pairs[\(i)].previous", reason: "\(pair.previous) must be in -1..<\(pair.timestep)")
            }
        }
        self.pairs = pairs
        self.trainingSteps = trainingSteps
    }

    /// Descending timesteps where each step lands on the next one and the last on −1.
    public init(descending timesteps: [Int], trainingSteps: Int) throws {
        let pairs = timesteps.indices.map { i in
            TimestepPair(timestep: timesteps[i], previous: i + 1 < timesteps.count ? timesteps[i + 1] : -1)
        }
        try self.init(pairs: pairs, trainingSteps: trainingSteps)
    }

    /// Karlo's respacing: round(i · (T − 1)/(N − 1)) for i = 0…N−1, reversed, so the first step is T − 1 and the
    /// last is 0; each step lands on the next (for N = 7, T = 1000: 999, 832, 666, 500, 333, 166, 0).
    // Follows diffusers' UnCLIPScheduler.set_timesteps and the unCLIP pipeline's prev_timestep.
    public static func karlo(steps: Int, trainingSteps: Int = 1000) throws -> TimestepSchedule {
        try checkCount(steps, trainingSteps, minimum: 2)
        let ratio = Double(trainingSteps - 1) / Double(steps - 1)
        let ascending = (0..<steps).map { Int((Double($0) * ratio).rounded(.toNearestOrEven)) }
        return try TimestepSchedule(descending: ascending.reversed(), trainingSteps: trainingSteps)
    }

    /// DDPM respacing with diffusers' `DDPMScheduler.set_timesteps`: the spacing picks the timesteps and each step
    /// lands on the next one chosen (the last on −1).
    public static func ddpm(steps: Int, trainingSteps: Int = 1000, spacing: TimestepSpacing = .leading(offset: 0))
        throws -> TimestepSchedule
    {
        try TimestepSchedule(
            descending: spacedTimesteps(steps, trainingSteps, spacing), trainingSteps: trainingSteps)
    }

    /// DDIM respacing with diffusers' `DDIMScheduler`: the spacing picks the timesteps, and each step lands on
    /// t − ⌊T/N⌋ whatever the spacing (−1 and below mean the clean sample). With `leading` spacing this is the next
    /// timestep; with `trailing` or `linspace` it can differ from it by a step or two, as in diffusers.
    public static func ddim(steps: Int, trainingSteps: Int = 1000, spacing: TimestepSpacing = .leading(offset: 0))
        throws -> TimestepSchedule
    {
        let timesteps = try spacedTimesteps(steps, trainingSteps, spacing)
        let stride = trainingSteps / steps
        let pairs = timesteps.map { TimestepPair(timestep: $0, previous: Swift.max($0 - stride, -1)) }
        return try TimestepSchedule(pairs: pairs, trainingSteps: trainingSteps)
    }

    private static func checkCount(_ steps: Int, _ trainingSteps: Int, minimum: Int) throws {
        guard trainingSteps >= 2 else {
            throw DiffusionError.invalidConfiguration(
                field: "trainingSteps", reason: "must be at least 2, got \(trainingSteps)")
        }
        guard steps >= minimum, steps <= trainingSteps else {
            throw DiffusionError.invalidConfiguration(
                field: "steps", reason: "must be in \(minimum)...\(trainingSteps), got \(steps)")
        }
    }

    // Follows diffusers' DDPMScheduler/DDIMScheduler.set_timesteps (numpy rounds half to even).
    private static func spacedTimesteps(_ steps: Int, _ trainingSteps: Int, _ spacing: TimestepSpacing) throws -> [Int]
    {
        try checkCount(steps, trainingSteps, minimum: 1)
        let total = Double(trainingSteps)
        switch spacing {
        case .leading(let offset):
            let ratio = trainingSteps / steps
            let timesteps = (0..<steps).reversed().map { $0 * ratio + offset }
            if let first = timesteps.first, first >= trainingSteps || offset < 0 {
                throw DiffusionError.invalidConfiguration(
                    field: "offset",
                    reason: "steps offset \(offset) puts timestep \(first) outside 0..<\(trainingSteps)")
            }
            return timesteps
        case .trailing:
            // numpy's arange(T, 0, −T/N): ⌈T / (T/N)⌉ values T + i·δ with δ = (T − T/N) − T.
            let ratio = total / Double(steps)
            let count = Int((total / ratio).rounded(.up))
            let delta = (total - ratio) - total
            return (0..<count).map { Int((total + Double($0) * delta).rounded(.toNearestOrEven)) - 1 }
        case .linspace:
            if steps == 1 { return [0] }
            let stride = (total - 1) / Double(steps - 1)
            var ascending = (0..<steps).map { Int((Double($0) * stride).rounded(.toNearestOrEven)) }
            ascending[steps - 1] = trainingSteps - 1
            return ascending.reversed()
        }
    }
}
