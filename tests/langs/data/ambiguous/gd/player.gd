extends KinematicBody2D

export var speed = 200
var velocity = Vector2()

func _physics_process(delta):
    velocity = move_and_slide(velocity)
