import mill._, scalalib._

object app extends ScalaModule {
  def scalaVersion = "3.3.1"
}
