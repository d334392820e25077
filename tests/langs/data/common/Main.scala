object Main extends App {
  println("hi")
}
