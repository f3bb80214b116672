import Diffusion
import Foundation

/// `Tests/Fixtures/diffusion/schedulers.json`, made by `make_fixture.py` from diffusers.
struct SchedulerFixture: Decodable {
    struct Schedule: Decodable {
        let alphas_cumprod: [Float]
        let alphas_cumprod64: [Double]
    }
    struct TimestepTable: Decodable {
        let kind: String
        let spacing: String?
        let offset: Int?
        let steps: Int
        let timesteps: [Int]
        let previous: [Int]
    }
    struct Step: Decodable {
        let t: Int
        let prev: Int
        let sample: [Float]
        let prediction: [Float]
        let noise: [Float]
        let variance_values: [Float]?
        let prev_sample: [Float]
        let pred_original_sample: [Float]
        let prev_sample64: [Double]
        let pred_original_sample64: [Double]
    }
    struct Case: Decodable {
        let name: String
        let scheduler: String
        let beta_schedule: String
        let steps: Int
        let spacing: String?
        let variance_type: String?
        let prediction_type: String
        let clip: Double?
        let eta: Double?
        let set_alpha_to_one: Bool?
        let use_clipped_model_output: Bool?
        let timesteps: [Int]
        let steps_data: [Step]

        enum CodingKeys: String, CodingKey {
            case name, scheduler, beta_schedule, steps, spacing, variance_type, prediction_type, clip, eta,
                set_alpha_to_one, use_clipped_model_output, timesteps
            case steps_data = "steps_list"
        }
    }

    struct BoundCase: Decodable {
        let prediction_type: String
        let t: Int
        let original: [Double]
        let noisy: [Double]
        let prediction: [Double]
        let variance_values: [Double]
        let value: Double
        let prediction_gradient: [Double]
        let variance_gradient: [Double]
    }

    let train_timesteps: Int
    let schedules: [String: Schedule]
    let timestep_tables: [TimestepTable]
    let cases: [Case]
    let variational_bound: [BoundCase]

    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/diffusion/schedulers.json")

    static func load() throws -> SchedulerFixture {
        try JSONDecoder().decode(SchedulerFixture.self, from: Data(contentsOf: url))
    }
}

extension TimestepSpacing {
    init(fixture name: String?, offset: Int = 0) {
        switch name {
        case "trailing": self = .trailing
        case "linspace": self = .linspace
        default: self = .leading(offset: offset)
        }
    }
}

extension BetaSchedule {
    init(fixture name: String) { self = name == "linear" ? .linear : .squaredCosine }
}

extension PredictionType {
    init(fixture name: String) {
        switch name {
        case "sample": self = .sample
        case "v_prediction": self = .velocity
        default: self = .epsilon
        }
    }
}

extension VarianceType {
    init(fixture name: String?) {
        switch name {
        case "fixed_small": self = .fixedSmall
        case "fixed_large": self = .fixedLarge
        case "learned_range": self = .learnedRange
        default: self = .fixedSmallLog
        }
    }
}

/// max over elements of |a − b| / max(1, |b|).
func maxRelativeError<A: BinaryFloatingPoint, B: BinaryFloatingPoint>(_ a: [A], _ b: [B]) -> Double {
    precondition(a.count == b.count)
    var worst = 0.0
    for i in a.indices {
        let x = Double(a[i])
        let y = Double(b[i])
        worst = max(worst, abs(x - y) / max(1, abs(y)))
    }
    return worst
}
