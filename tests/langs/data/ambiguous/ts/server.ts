import express, { Request, Response } from "express";

const app = express();
const port: number = Number(process.env.PORT ?? 3000);

interface Health { status: string; uptime: number }

app.get("/health", (_req: Request, res: Response) => {
  const body: Health = { status: "ok", uptime: process.uptime() };
  res.json(body);
});

app.listen(port, () => console.log(`listening on ${port}`));
