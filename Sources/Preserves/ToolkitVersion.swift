/// The release of swift-syndicate this code belongs to (see CHANGELOG.md); every executable's
/// `--version` prints it.
public enum ToolkitVersion {
    public static let current = "0.2.0"
}
