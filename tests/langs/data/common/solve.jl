using LinearAlgebra
A = rand(3,3)
