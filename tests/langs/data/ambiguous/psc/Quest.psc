Scriptname MyQuestScript extends Quest

Event OnInit()
    Debug.Notification("Quest started")
EndEvent
