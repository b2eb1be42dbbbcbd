import XCTest

final class DaemonSmokeTests: XCTestCase {}
