import CIPortCLI

@main
enum Entry {
    static func main() async {
        await CIPortCommand.main()
    }
}
