import XCTest
@testable import Vision

final class VisionSmokeTests: XCTestCase {}
