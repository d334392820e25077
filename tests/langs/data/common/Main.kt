fun main() {
    println("hi")
}
