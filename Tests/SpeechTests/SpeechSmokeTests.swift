import XCTest
@testable import Speech

final class SpeechSmokeTests: XCTestCase {}
