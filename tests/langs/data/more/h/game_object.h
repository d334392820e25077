#ifndef GAME_OBJECT_H
#define GAME_OBJECT_H

#include "component.h"

class GameObject
{
public:
    GameObject();
    void addComponent(Component* c);
    void update(float dt);

private:
    Component* components[16];
    int count;
};

#endif
