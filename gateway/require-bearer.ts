// Bearer-token check shared by the APIs under /api/nerve (Jupiter's token).
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from '../lib/http-error';
import { sameSecret } from '../lib/same-secret';

export function requireBearer(token: string) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!sameSecret(req.get('authorization') ?? '', `Bearer ${token}`)) {
      return next(new HttpError(401, 'unauthorized', 'missing or wrong bearer token'));
    }
    next();
  };
}
