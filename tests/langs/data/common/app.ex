defmodule App do
  def hi, do: :ok
end
